"""Report tables: each defined once (monthly, ranges), rendered by every format."""
