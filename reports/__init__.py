"""Reading the verdict: the static HTML report and the terminal status update."""
