"""Which capability each policy action needs (one place; mapped onto the project's capabilities).

- view results, the calculator and simulations: ``registry.view`` (they show household data);
- run 政策找人 on demand: ``case.approve`` (county approvers; township where approval is delegated);
- propose and approve parameters and programmes: ``case.configure`` (system administrators), with
  maker-checker: the approver must be another person than the proposer.
"""

from jiuzhu.accounts.roles import Capability

POLICY_VIEW = Capability.REGISTRY_VIEW
POLICY_RUN = Capability.CASE_APPROVE
POLICY_CONFIGURE = Capability.CASE_CONFIGURE
