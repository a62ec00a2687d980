"""aftersale: after-sales auto-resolution policies."""
