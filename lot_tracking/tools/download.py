"""Files the user downloads: kept as an attachment, fetched through ``/web/content``."""

import base64

from .xlsx import XLSX_MIMETYPE


def download_action(env, filename, content, record=None, mimetype=XLSX_MIMETYPE):
    """An action downloading ``content`` as ``filename``, attached to ``record`` when given
    (so that its readers, and only they, may fetch it again)."""
    attachment = env["ir.attachment"].create(
        {
            "name": filename,
            "datas": base64.b64encode(content),
            "mimetype": mimetype,
            "res_model": record._name if record else False,
            "res_id": record.id if record else False,
        }
    )
    return {
        "type": "ir.actions.act_url",
        "url": f"/web/content/{attachment.id}?download=true",
        "target": "self",
    }
