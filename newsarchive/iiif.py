"""IIIF Presentation 3 manifests: an issue's printed pages as canvases, each painted with its scan
(and its level-0 image service, for deep zoom), each article a linking annotation on its region,
so that library viewers (Mirador, Universal Viewer) open the archive's pages."""

from __future__ import annotations

import json

from . import urls
from .model import Issue


def manifest(issue: Issue, base_url: str, paper: str, language: str) -> str:
    """The issue's manifest (JSON). IIIF wants absolute URLs: with no base_url the ids are site
    paths, enough for the archive's own pages but not for a viewer elsewhere."""
    def at(path: str) -> str:
        return urls.absolute_url(base_url, path) or "/" + path

    lang = "zh" if language.startswith("zh") else language
    date = f"{issue.date.year}年{issue.date.month}月{issue.date.day}日"
    canvases = []
    for page in issue.scanned:
        scan, view = page.scan, urls.page_view_path(issue.date, page.number)
        canvas = at(view) + "#canvas"
        annotations = [{
            "id": f"{canvas}-article-{n}", "type": "Annotation", "motivation": "linking",
            "body": {"id": at(urls.article_path(a)), "type": "Text", "format": "text/html", "label": {lang: [a.full_title]}},
            "target": f"{canvas}#xywh={x},{y},{w},{h}"}
            for n, (a, (x, y, w, h)) in enumerate(((a, box) for a in page.articles for box in a.regions), 1)]
        canvases.append({
            "id": canvas, "type": "Canvas", "label": {lang: [page.label]}, "width": scan.width, "height": scan.height,
            "thumbnail": [{"id": at(view + urls.THUMBNAIL), "type": "Image", "format": "image/jpeg"}],
            "items": [{"id": f"{canvas}-page", "type": "AnnotationPage", "items": [{
                "id": f"{canvas}-image", "type": "Annotation", "motivation": "painting", "target": canvas,
                "body": {"id": at(view + urls.SCAN_IMAGE), "type": "Image", "format": "image/jpeg",
                         "service": [{"id": at(view + urls.TILES).rstrip("/"), "type": "ImageService3", "profile": "level0"}]}}]}],
            **({"annotations": [{"id": f"{canvas}-articles", "type": "AnnotationPage", "items": annotations}]}
               if annotations else {}),
            "homepage": [{"id": at(view), "type": "Text", "format": "text/html", "label": {lang: [page.label]}}],
        })
    data = {"@context": "http://iiif.io/api/presentation/3/context.json", "id": at(urls.issue_manifest_path(issue.date)),
            "type": "Manifest", "label": {lang: [f"{paper} {date}".strip()]},
            "homepage": [{"id": at(urls.issue_path(issue.date)), "type": "Text", "format": "text/html",
                          "label": {lang: [f"{paper} {date}".strip()]}}],
            "items": canvases}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
