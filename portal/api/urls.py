"""REST API v1 filing routes, the OpenAPI schema and its docs (mounted at /api/)."""

urlpatterns = []
