"""Error codes of menus and pages (Saleor's MenuErrorCode / PageErrorCode values we use)."""

from __future__ import annotations

from enum import Enum


class ContentErrorCode(Enum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    REQUIRED = "required"
    UNIQUE = "unique"
    NO_MENU_ITEM_PROVIDED = "no_item_provided"
    TOO_MANY_MENU_ITEMS_PROVIDED = "too_many_items_provided"
    CANNOT_ASSIGN_NODE = "cannot_assign_node"
