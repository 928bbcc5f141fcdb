"""Cadre filing pages, login and logout (mounted at /)."""

urlpatterns = []
