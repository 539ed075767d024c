"""Serving the sample press as real IIIF on localhost.

Presentation 3 manifests (one per issue) grouped in a collection per periodical, under a top
collection, with place and date metadata in the messy forms libraries use; page images from a
real IIIF Image API server (the `iiif` package's server, a separate program).
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Any

from api.demo.corpus import PERIODICALS, format_date, page_file
from api.services.background import BackgroundProcess
from api.services.manager import DEMO_IIIF, DEMO_SITE

CONTEXT = "http://iiif.io/api/presentation/3/context.json"


def _lang(spec) -> str:
    return {"fre": "fr", "ger": "de", "spa": "es", "eng": "en"}[spec.language]


def manifest(spec, issue: dict, site: str, images: str, page_size: tuple[int, int]) -> dict:
    base = f"{site}/iiif/{spec.slug}/{issue['number']:02d}"
    when = date.fromisoformat(issue["date"])
    lang = _lang(spec)
    label = f"{spec.title} ({issue['date']})" if spec.nav_date == "padded-year" else spec.title
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"{base}/manifest.json",
        "type": "Manifest",
        "label": {lang: [f"{label}, n° {issue['number']}"]},
        "metadata": [
            {"label": {"en": [spec.place_label]}, "value": {"none": [spec.place_value]}},
            {
                "label": {"en": [spec.date_label]},
                "value": {lang: [format_date(when, spec.date_style)]},
            },
            {"label": {"en": ["Type"]}, "value": {"en": ["Illustrated periodical"]}},
            {"label": {"en": ["Language"]}, "value": {"none": [spec.language]}},
        ],
        "partOf": [
            {
                "id": f"{site}/iiif/{spec.slug}/collection.json",
                "type": "Collection",
                "label": {lang: [spec.title]},
            }
        ],
        "requiredStatement": {
            "label": {"en": ["Attribution"]},
            "value": {"en": ["contagions sample corpus (synthetic)"]},
        },
        "rights": "http://creativecommons.org/publicdomain/zero/1.0/",
        "items": [],
    }
    if spec.nav_date == "day":
        document["navDate"] = f"{issue['date']}T00:00:00Z"
    elif spec.nav_date == "padded-year":
        document["navDate"] = f"{when.year}-01-01T00:00:00Z"
    width, height = page_size
    for page in range(1, issue["pages"] + 1):
        file = page_file(spec.slug, issue["number"], page)
        service = f"{images}/3.0_pil/{file}"
        canvas = f"{base}/canvas/p{page}"
        document["items"].append(
            {
                "id": canvas,
                "type": "Canvas",
                "label": {"none": [f"p. {page}"]},
                "width": width,
                "height": height,
                "items": [
                    {
                        "id": f"{canvas}/page",
                        "type": "AnnotationPage",
                        "items": [
                            {
                                "id": f"{canvas}/page/image",
                                "type": "Annotation",
                                "motivation": "painting",
                                "target": canvas,
                                "body": {
                                    "id": f"{service}/full/max/0/default.jpg",
                                    "type": "Image",
                                    "format": "image/jpeg",
                                    "width": width,
                                    "height": height,
                                    "service": [
                                        {
                                            "id": service,
                                            "type": "ImageService3",
                                            "profile": "level1",
                                        }
                                    ],
                                },
                            }
                        ],
                    }
                ],
            }
        )
    return document


def write_site(out: Path, truth: dict, site: str, images: str) -> Path:
    """Write manifests and collections under `out/site`; returns the top collection's path."""
    root = out / "site"
    shutil.rmtree(root, ignore_errors=True)
    page_size = tuple(truth["size"]["page_size"])
    top: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"{site}/iiif/collection.json",
        "type": "Collection",
        "label": {"en": ["contagions sample press"]},
        "items": [],
    }
    for spec in PERIODICALS:
        issues = [i for i in truth["issues"] if i["periodical"] == spec.slug]
        collection: dict[str, Any] = {
            "@context": CONTEXT,
            "id": f"{site}/iiif/{spec.slug}/collection.json",
            "type": "Collection",
            "label": {_lang(spec): [spec.title]},
            "items": [],
        }
        for issue in issues:
            document = manifest(spec, issue, site, images, page_size)
            path = root / "iiif" / spec.slug / f"{issue['number']:02d}" / "manifest.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, ensure_ascii=False, indent=1))
            collection["items"].append(
                {"id": document["id"], "type": "Manifest", "label": document["label"]}
            )
        path = root / "iiif" / spec.slug / "collection.json"
        path.write_text(json.dumps(collection, ensure_ascii=False, indent=1))
        top["items"].append(
            {"id": collection["id"], "type": "Collection", "label": collection["label"]}
        )
    path = root / "iiif" / "collection.json"
    path.write_text(json.dumps(top, ensure_ascii=False, indent=1))
    return path


def site_process(out: Path, port: int, run_dir: Path) -> BackgroundProcess:
    # Our static server, not `http.server`: viewers fetch manifests cross-origin (CORS).
    command = [
        sys.executable,
        "-m",
        "api.demo.static_site",
        str(port),
        str(out / "site"),
        "--bind",
        "127.0.0.1",
    ]
    return BackgroundProcess(DEMO_SITE, command, run_dir)


def image_server_process(out: Path, port: int, run_dir: Path) -> BackgroundProcess:
    script = shutil.which("iiif_testserver.py") or str(
        Path(sys.executable).parent / "iiif_testserver.py"
    )
    # The server writes a PID file in its working directory: keep it out of the repo.
    command = [
        sys.executable,
        script,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--image-dir",
        str(out / "images"),
        "--api-versions",
        "2.1,3.0",
        "--manipulators",
        "pil",
        "-q",
    ]
    return BackgroundProcess(DEMO_IIIF, command, run_dir, cwd=out)
