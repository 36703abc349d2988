"""What a public page says about itself and its files: whether a named image is really there,
its canonical address, its structured data."""

from django import template
from django.core.files.storage import FileSystemStorage

register = template.Library()


@register.filter
def stored(field_file):
    """The file if the page can show it, else "" (the template then draws its placeholder).

    A row may name an image the import could not bring (it keeps the path and warns), so the
    page would ask for a file that is not there. On local storage asking is a stat, cheap enough
    for every card; a remote store would cost a request per image, so there the file is assumed
    present and the placeholder drawn behind the image shows if it is not.
    """
    if not field_file:
        return ""
    storage = field_file.storage
    if isinstance(storage, FileSystemStorage) and not storage.exists(field_file.name):
        return ""
    return field_file
