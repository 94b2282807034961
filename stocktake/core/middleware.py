"""Headers every response carries."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Every asset is served by the app itself, so nothing else may be loaded or framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            relaxed = request.path.startswith(("/api/docs", "/admin/"))
            response["Content-Security-Policy"] = (
                DOCS_CONTENT_SECURITY_POLICY if relaxed else CONTENT_SECURITY_POLICY
            )
        response.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        return response
