"""What the API and page permission matrices share: the object a policy cell names, and the
run of one policy row (every role × object a request in a savepoint of its own)."""

from collections import Counter

from tests.security.policy import REFUSED, ROLES, SUCCESS, Rule, expected, expected_rows
from tests.security.world import Clients, World, cell


def target(world: World, rule: Rule, obj: str):
    """The object a cell of `rule` names, or None where the row names none."""
    if obj == "-" or rule.target in ("-", "reports"):
        return None
    if rule.target == "fresh_cases":
        return world.fresh_cases[obj.split("/")[0]]
    if rule.target == "escalations":
        return world.escalations[obj]
    return getattr(world, rule.target)[obj]


def run_row(world, table, key, *, send, rows_seen, outcome, figures: Counter):
    """Every role × object of `table[key]`: `send(client, world, key, rule, role, obj)` makes
    the request, `outcome(response)` is compared with the policy and, for a list that succeeds,
    `rows_seen(world, rule, response)` with the rows the policy allows. Returns the mismatches
    and the row leaks; counts cells, unauthorised successes, leaked rows and mismatches."""
    rule = table[key]
    clients = Clients(world)
    mismatches, leaks = [], []
    for role in ROLES:
        for obj in rule.objects:
            want = expected(rule, role, obj)
            client = clients[role]  # signed in before the savepoint, so it outlives it
            with cell():
                response = send(client, world, key, rule, role, obj)
                got = outcome(response)
                seen = None
                if (rule.rows_like or rule.rows) and got == 200:
                    seen = rows_seen(world, rule, response)
            figures["cells"] += 1
            if got != want:
                mismatches.append(f"{role} on {obj}: expected {want}, got {got}")
            if want in REFUSED and got in SUCCESS:
                figures["unauthorised_2xx"] += 1
            if seen is not None:
                allowed = expected_rows(table, rule, role)
                extra, missing = seen - allowed, allowed - seen
                figures["rows_leaked"] += len(extra)
                if extra or missing:
                    leaks.append(f"{role}: extra rows {sorted(extra)}, missing {sorted(missing)}")
    figures["mismatches"] += len(mismatches)
    return mismatches, leaks
