from django.contrib import messages

from . import failures


class PublishErrorsMiddleware:
    """A change whose pages could not be published says so to the staff member who made it, on
    the admin's next page (the log says it too). Between the messages framework and
    ``AdminWritesMiddleware``, whose change it sees."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        failures.message = None
        response = self.get_response(request)
        message, failures.message = failures.message, None
        user = getattr(request, "user", None)
        if message and user is not None and user.is_staff:
            messages.error(request, message)
        return response
