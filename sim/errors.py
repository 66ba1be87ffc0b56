"""A person's mistake, as PeakData reports it: a message meant for them, which the CLI prints before it exits 2.

Its own module, so that the CLI can catch it without importing the model's parameters (`peakdata --help` stays quick).
"""


class UserError(ValueError):
    """A mistake in what a person gave PeakData, with a message meant for them; the CLI prints it and exits 2."""
