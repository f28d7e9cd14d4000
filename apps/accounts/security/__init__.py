"""Sign-in defences: lockout (django-axes), request throttles, two-step verification (django-otp),
session lifetimes and password rules. README "Signing in and security" describes the policy."""
