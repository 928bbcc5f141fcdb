"""REST API v1 stats and export routes (mounted at /api/v1/)."""

urlpatterns = []
