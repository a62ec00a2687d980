#!/usr/bin/env bash
# Debian packages some tests need: Chromium and its driver (the web console's browser tests), a
# CJK font (Chinese in its screenshots), Java 17 (Spark in local mode). Installed when missing and
# we are root with apt-get; otherwise it says what is missing and those tests skip, saying why.
set -uo pipefail
want=()
command -v chromium >/dev/null 2>&1 || want+=(chromium)
command -v chromedriver >/dev/null 2>&1 || want+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || want+=(fonts-wqy-microhei)
command -v java >/dev/null 2>&1 || want+=(openjdk-17-jre-headless)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}"; } >/dev/null 2>&1 \
    || echo "system-deps.sh: could not install ${want[*]}; the tests that need them will be skipped" >&2
else
  echo "system-deps.sh: missing ${want[*]} (apt-get install them as root); the tests that need them will be skipped" >&2
fi
exit 0
