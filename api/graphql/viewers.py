"""'View in context': a IIIF Content State (API 1.0) for a region of a canvas, viewer links.

The state is an annotation whose target is the canvas with an `#xywh=` fragment, part of the
manifest. Viewer links are left to the application that serves a viewer: public viewer sites
cannot load manifests served from a researcher's machine. Encoding follows the spec: URI-encode
the JSON (as `encodeURIComponent` does), then base64url without padding, so viewers accept it
in the `iiif-content` query parameter.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, unquote

_URI_COMPONENT_SAFE = "-_.!~*'()"


def content_state(manifest_id: str, canvas_id: str, xywh: str | None) -> dict:
    target = canvas_id if not xywh else f"{canvas_id}#xywh={xywh}"
    # The annotation's own id must be a URI with at most one fragment: not the target's.
    region = f"/{xywh}" if xywh else ""
    return {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": f"{canvas_id}/content-state{region}",
        "type": "Annotation",
        "motivation": ["contentState"],
        "target": {
            "id": target,
            "type": "Canvas",
            "partOf": [{"id": manifest_id, "type": "Manifest"}],
        },
    }


def encode_content_state(state: dict) -> str:
    text = json.dumps(state, separators=(",", ":"), ensure_ascii=False)
    uri_encoded = quote(text, safe=_URI_COMPONENT_SAFE)
    return base64.urlsafe_b64encode(uri_encoded.encode("ascii")).decode().rstrip("=")


def decode_content_state(encoded: str) -> dict:
    raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("ascii")
    return json.loads(unquote(raw))


def viewer_link(viewer_url: str, encoded_state: str) -> str:
    """A link opening the state in a viewer served at `viewer_url` (e.g. a local Mirador)."""
    return f"{viewer_url}?iiif-content={encoded_state}"
