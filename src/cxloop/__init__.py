"""cxloop — close the customer-experience loop.

Listen to every touchpoint, know who the customer is, understand each message, see journeys,
learn what drives satisfaction and what it is worth, and act in the moment.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
