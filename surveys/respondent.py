"""The answering engine's entry points for respondent-facing views.

Two thin views drive it: the anonymous link /r/<public_key>/ (surveys.views) and the
personal link /s/<token>/ (distributions). Both resolve *which* response is being
answered; everything else (showing a page, validating, saving a page, resuming,
recording Started on the first submit and Finished on the last, refusing a second
finish) happens here, on a `Response`.

CONTRACT (distributions relies on these names and signatures):

    respondent_page(view)            decorator: Referrer-Policy: no-referrer,
                                     Cache-Control: no-store, X-Robots-Tag: noindex
                                     on every response of the view.
    invalid_link(request, *, gone=False) -> HttpResponse
                                     the one neutral page for unknown/revoked (404)
                                     and expired (410) links; same body for all.
    invalid_link_throttled(request) -> bool
                                     True when this client has looked up too many
                                     invalid links recently (the caller answers 429);
                                     record_invalid_link(request) counts one.
    record_invalid_link(request) -> None
    run_engine(request, *, survey, response, create_response, action_url)
                                     -> HttpResponse
        survey:          the Survey (published; closed / invitation-only checks are
                         the caller's, see survey_unavailable()).
        response:        the existing Response, or None if none exists yet.
        create_response: zero-argument callable returning a new (or the concurrently
                         created) Response; called only on a POST, never on GET/HEAD,
                         inside the engine's transaction.
        action_url:      the URL the page's form posts back to.
    survey_unavailable(request, *, survey, channel) -> HttpResponse | None
                                     the closed message, the "only by invitation"
                                     403 for the anonymous channel, or None.
    response_create(*, survey, channel, contact=None, resume_key=None) -> Response
        contact: {"first_name", "last_name", "email", "external_reference",
                  "embedded_data"} copied onto the response (personal links).
"""
