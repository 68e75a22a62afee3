"""Public tests of the graded exercises, one module per notebook."""
