"""The transcript editor: an episode's sections and lines in one list, in the order of the file.

Its steps, a module each: ``items`` loads what is stored; ``validation`` checks one submitted
item; ``formset`` binds what the page sent to the stored items and checks them together;
``plan`` works out what a save changes, and ``apply`` writes it; ``positions`` numbers items in
their new order; ``display`` shows the rows with their problems; ``inline`` puts it all on the
episode's change page through the admin's stock hooks.

A save made after someone else's: ``snapshot`` (what the page was opened with, carried by the
page), ``merge`` (three ways, no Django), ``rebase`` (the transcript sent, over theirs),
``lists`` (guests, links, clips), ``conflicts`` (the page that asks what to keep); ``focus``
opens the page at the row being edited after a save.
"""
