"""`POST /v1/platforms/douyin/messages` and `POST /v1/platforms/kuaishou/messages`.

No bearer token: a push proves itself by its platform's scheme (Douyin's signature, Kuaishou's
encryption) with the credentials `aftersale platform add` stored, which also name its store.
The platform's answer is sent only after every decision of the push is committed.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated, Iterator

from fastapi import Depends, FastAPI, Request

from ..app import Service, ServiceError, body
from . import PushError, decide_all, douyin, kuaishou

#: Douyin may put several messages in one push.
MAX_PUSH_BYTES = 1 << 20
PUSH_RESPONSES = {400: {"description": "The push is not as the platform documents it (a JSON path says where)"},
                  401: {"description": "Missing or wrong signature (Douyin), or no registered key decrypts it (Kuaishou)"},
                  404: {"description": "No store is registered for the push's shop"},
                  422: {"description": "The push lacks facts the event needs and no earlier event of the request has them"}}
#: The body as sent, whatever its content type (Kuaishou's is encrypted text).
RawBody = Annotated[str, Depends(body(MAX_PUSH_BYTES, json_only=False))]


@contextmanager
def answering() -> Iterator[None]:
    """A refused push as the service's JSON error."""
    try:
        yield
    except PushError as err:
        raise ServiceError(err.status, err.error, err.message, **err.extra) from None


def unknown_shop(platform: str, shop: str) -> ServiceError:
    return ServiceError(404, "unknown-shop", f"no store is registered for {platform} shop `{shop}` "
                                             f"(aftersale platform add --platform {platform} --shop-id {shop})")


def mount(app: FastAPI) -> None:
    @app.post("/v1/platforms/douyin/messages", tags=["platforms"], responses=PUSH_RESPONSES)
    def douyin_messages(request: Request, service: Service, text: RawBody):
        """A Douyin (抖店) message push: `event-sign` checked, after-sales messages decided, `{"code":0,"msg":"success"}`."""
        with answering():
            apps = service.log.platform_credentials(douyin.PLATFORM, request.headers.get("app-id") or None)
            app_key = douyin.verify(request.headers, text.encode("utf-8"), apps)
            items = douyin.records(text)
            if douyin.is_test(items):
                return douyin.ACK
            stores = {a.shop_id: a.store for a in apps if a.app_key == app_key}
            pushes = []
            for i, item in enumerate(items):
                found = douyin.shop_of(item, i)
                if found is None:
                    continue  # not an after-sales message we decide
                shop, data = found
                if shop not in stores:
                    raise unknown_shop(douyin.PLATFORM, shop)
                push = douyin.push_of(stores[shop], item["tag"], data, i)
                if push is not None:
                    pushes.append(push)
            decide_all(service, pushes)
        return douyin.ACK

    @app.post("/v1/platforms/kuaishou/messages", tags=["platforms"], responses=PUSH_RESPONSES)
    def kuaishou_messages(service: Service, text: RawBody):
        """A Kuaishou (快手小店) message push: decrypted with the app's message key, decided, `{"result":1}`."""
        if kuaishou.is_plain_test(text):
            return kuaishou.ACK
        with answering():
            apps = service.log.platform_credentials(kuaishou.PLATFORM)
            app_key, envelope = kuaishou.verify(text, apps)
            shop = kuaishou.shop_of(envelope)
            if shop is None:
                return kuaishou.ACK  # the heartbeat, or not an after-sales message
            stores = {a.shop_id: a.store for a in apps if a.app_key == app_key}
            if shop not in stores:
                raise unknown_shop(kuaishou.PLATFORM, shop)
            push = kuaishou.push_of(stores[shop], envelope)
            decide_all(service, [push] if push is not None else [])
        return kuaishou.ACK


__all__ = ["mount", "MAX_PUSH_BYTES"]
