"""Every write to audits, cases, tools and programmes. Pages, API, import and seed call these
services, each from the module named for what it writes."""
