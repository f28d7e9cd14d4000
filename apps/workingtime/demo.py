"""The demo's bank holidays come from the same service as the migration and the yearly job."""

from carecoord import demo

from .services import bank_holidays_refresh

demo.register("workingtime", bank_holidays_refresh)
