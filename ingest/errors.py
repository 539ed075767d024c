"""What can go wrong while talking to IIIF servers, named after the way it fails."""


class FetchError(RuntimeError):
    """A document or image could not be fetched."""

    transient = False


class BlockedUrlError(FetchError):
    """The URL is not allowed: bad scheme, or it resolves to a private/loopback address."""


class DocumentTooLargeError(FetchError):
    """The response is larger than the configured maximum."""


class HttpStatusError(FetchError):
    def __init__(self, url: str, status_code: int) -> None:
        super().__init__(f"{url} answered HTTP {status_code}")
        self.url = url
        self.status_code = status_code
        self.transient = status_code == 429 or status_code >= 500
        # Seconds the server asked us to wait (Retry-After), set by the fetcher when it says so.
        self.retry_after: float | None = None


class NetworkError(FetchError):
    """Connection refused, DNS failure, timeout, broken transfer."""

    transient = True


class TooManyRedirectsError(FetchError):
    """The redirect chain is too long or loops."""


class UnresolvableHostError(NetworkError):
    """The host name does not resolve: a network failure, not a policy refusal."""


class DeadlineExceededError(NetworkError):
    """The fetch ran past its overall deadline, or the transfer was slower than the minimum rate.

    Not retried: the deadline covers every attempt.
    """

    transient = False
