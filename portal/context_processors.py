from django.conf import settings

from portal import policy


def portal(request):
    user = getattr(request, "user", None)
    # The main nav links the direct channel for every role that works on it (policy decides).
    return {"min_group": settings.BURDEN_MIN_GROUP, "problem_role": policy.problem_role(user)}
