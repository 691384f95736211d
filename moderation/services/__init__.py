"""Every write to moderations and escalations. Pages, API, import and seed call these.

Each state change locks the row (select_for_update), checks the transition table on the
model and who may make it (permissions.py), saves with its author for the history, and
queues any e-mail with transaction.on_commit so a rolled-back change sends nothing.
"""
