"""``make demo``: the whole job on the embedded default (SQLite), in a throwaway home."""
