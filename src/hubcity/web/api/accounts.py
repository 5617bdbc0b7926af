"""/api/v1/me, /api/v1/users, /api/v1/tokens, /api/v1/quota."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hubcity.web.api.schemas import QuotaRead, TokenCreate, TokenCreated, TokenRead, UserCreate, UserRead
from hubcity.web.deps import ActorDep, ServicesDep, UserDep

router = APIRouter(tags=["accounts"])


@router.get("/me", response_model=UserRead, summary="The signed-in user")
def me(services: ServicesDep, actor: UserDep) -> UserRead:
    assert actor.user_id is not None
    return UserRead.of(services.accounts.get_user(actor.user_id))


@router.post("/users", response_model=UserRead, status_code=201, summary="Create a user (sysadmins)")
def create_user(body: UserCreate, services: ServicesDep, actor: ActorDep) -> UserRead:
    return UserRead.of(services.accounts.create_user(actor, **body.model_dump()))


@router.get("/tokens", response_model=list[TokenRead], summary="My API tokens")
def list_tokens(services: ServicesDep, actor: UserDep) -> list[TokenRead]:
    return [TokenRead.of(t) for t in services.accounts.list_tokens(actor)]


@router.post(
    "/tokens", response_model=TokenCreated, status_code=201, summary="Create an API token (shown once)"
)
def create_token(body: TokenCreate, services: ServicesDep, actor: UserDep) -> TokenCreated:
    token, raw = services.accounts.create_token(actor, name=body.name, expires_days=body.expires_days)
    return TokenCreated(**TokenRead.of(token).model_dump(), token=raw)


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke an API token")
def revoke_token(token_id: int, services: ServicesDep, actor: UserDep) -> Response:
    services.accounts.revoke_token(actor, token_id)
    return Response(status_code=204)


@router.get(
    "/quota",
    response_model=QuotaRead,
    summary="My query limits and what I used today",
    description="The caller's queries per minute and per Korean day (SQL, filtered rows, aggregates, "
    "CKAN datastore actions), counted per API token, per signed-in user or per client address. "
    "Asking does not count as a query.",
)
def quota(request: Request, services: ServicesDep, actor: ActorDep) -> QuotaRead:
    client = request.client.host if request.client else None
    return QuotaRead.of(services.resources.quota.status(actor, client))
