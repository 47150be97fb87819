"""Running the forum's real processes and throwaway databases on this machine, for the production tests
(``tests/production``) and the load benchmark (``bench/load.py``) alike; neither imports the other."""
