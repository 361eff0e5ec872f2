"""Four eyes on money: finance proposes, a second administrator with the approver role approves or rejects."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from server.admin import trail
from server.admin.proposals import Proposals
from server.admin.roles import APPROVER, FINANCE, PEOPLE, AdminPrincipal
from server.admin.schemas import ProposalIn, ProposalPublic, ProposalsPublic, RejectIn, RowId
from server.api.answers import checked
from server.api.deps import allow

router = APIRouter(tags=["admin"])


def _proposals(request: Request) -> Proposals:
    proposals: Proposals = request.app.state.proposals
    return proposals


@router.post("/proposals", status_code=201, response_model=ProposalPublic)
def propose(body: ProposalIn, request: Request, principal: Annotated[AdminPrincipal, allow(FINANCE)]) -> Response:
    """Propose an adjustment, a suspense assignment or a cheque bounce; nothing moves until it is approved."""
    payload = body.model_dump(exclude={"kind", "note"})
    if "utr" in payload:
        payload["utr"] = payload["utr"].upper()
    answer = _proposals(request).propose(principal, body.kind, payload, body.note)
    trail.note_change(request.scope, None, answer)
    response = checked(ProposalPublic, answer)
    response.status_code = 201
    return response


@router.get("/proposals", response_model=ProposalsPublic, dependencies=[allow(*PEOPLE)])
def list_proposals(
    request: Request,
    status: Annotated[Literal["pending", "approving", "approved", "rejected", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """Proposals, newest first (the approver's queue: status=pending)."""
    return checked(ProposalsPublic, {"proposals": _proposals(request).listing(status, limit)})


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic, dependencies=[allow(*PEOPLE)])
def get_proposal(proposal_id: Annotated[RowId, Path()], request: Request) -> Response:
    return checked(ProposalPublic, _proposals(request).view(proposal_id))


@router.post("/proposals/{proposal_id}/approve", response_model=ProposalPublic)
def approve(
    proposal_id: Annotated[RowId, Path()], request: Request, principal: Annotated[AdminPrincipal, allow(APPROVER)]
) -> Response:
    """Approve and post, once: never by its proposer; again is answered `replayed`; a rival approver gets 409."""
    proposals = _proposals(request)
    before = proposals.view(proposal_id)
    answer = proposals.approve(proposal_id, principal)
    trail.note_change(request.scope, _decision(before), _decision(answer))
    return checked(ProposalPublic, answer)


@router.post("/proposals/{proposal_id}/reject", response_model=ProposalPublic)
def reject(
    proposal_id: Annotated[RowId, Path()],
    body: RejectIn,
    request: Request,
    principal: Annotated[AdminPrincipal, allow(APPROVER)],
) -> Response:
    """Reject a pending proposal: nothing moves."""
    proposals = _proposals(request)
    before = proposals.view(proposal_id)
    answer = proposals.reject(proposal_id, principal, body.reason)
    trail.note_change(request.scope, _decision(before), _decision(answer))
    return checked(ProposalPublic, answer)


def _decision(proposal: dict[str, Any]) -> dict[str, Any]:
    """What the trail keeps of a proposal around a decision."""
    keep = ("id", "kind", "payload", "amount_paise", "status", "proposed_by", "decided_by", "reason", "result")
    return {k: proposal.get(k) for k in keep}
