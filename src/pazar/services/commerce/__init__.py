"""Commerce: the money ledger, packets (paid advert slots) and paid features of Partner API v2."""
