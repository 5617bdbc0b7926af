"""The CKAN Action API (``/api/action/*``, ``/api/3/action/*``) over hubcity's services."""

from hubcity.web.ckan.router import ACTIONS, router

__all__ = ["ACTIONS", "router"]
