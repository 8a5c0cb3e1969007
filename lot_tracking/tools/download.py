"""Files the user downloads: kept as an attachment, fetched through ``/web/content``."""

import base64

from .xlsx import XLSX_MIMETYPE, build_xlsx, user_tz


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


def xlsx_download(env, title, filename, columns, rows):
    """An action downloading ``rows`` as a spreadsheet (sheet ``title``), dates and times in
    the user's time zone."""
    return download_action(env, filename, build_xlsx(title, columns, rows, tz=user_tz(env)))
