from django.conf import settings


def portal(request):
    return {"min_group": settings.BURDEN_MIN_GROUP}
