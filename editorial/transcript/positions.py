"""Positions for transcript items in their new order."""


def assign_positions(old_positions):
    """Positions for items in their new order, given the positions they have (None for new ones).

    Kept where the order allows, so a moved or inserted line rewrites as few rows as it can;
    renumbered from 0 when there is no room."""
    result = []
    previous = -1
    count = len(old_positions)
    index = 0
    while index < count:
        position = old_positions[index]
        if position is not None:
            if position <= previous:
                return list(range(count))
            result.append(position)
            previous = position
            index += 1
            continue
        end = index
        while end < count and old_positions[end] is None:
            end += 1
        following = old_positions[end] if end < count else None
        room = end - index
        if following is not None and following - previous - 1 < room:
            return list(range(count))
        result.extend(range(previous + 1, previous + 1 + room))
        previous += room
        index = end
    return result
