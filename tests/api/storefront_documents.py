"""Storefront-shaped documents for the limit and query-count tests: what Saleor's storefront
asks for on its product list (page of 9), written from the reference surface's fields."""

from __future__ import annotations

PRODUCT_LIST_ITEM = """fragment ProductListItem on Product {
    id name slug created
    pricing {
        onSale
        priceRange {
            start { gross { amount currency } } stop { gross { amount currency } } }
        priceRangeUndiscounted {
            start { gross { amount currency } } stop { gross { amount currency } } }
    }
    category { id name slug }
    thumbnail(size: 1024, format: WEBP) { url alt }
    media { url(size: 512, format: WEBP) alt type }
    assignedAttributes(limit: 10) {
        attribute { id slug name inputType }
        ... on AssignedSingleChoiceAttribute { choice: value { name slug } }
        ... on AssignedMultiChoiceAttribute { choices: value { name slug } }
        ... on AssignedPlainTextAttribute { text: value }
        ... on AssignedBooleanAttribute { flag: value }
    }
    productVariants(first: 20) {
        edges {
            node {
                id name sku quantityAvailable
                pricing {
                    onSale
                    price { gross { amount currency } }
                    priceUndiscounted { gross { amount currency } }
                }
                attributes(variantSelection: VARIANT_SELECTION) {
                    attribute { id slug name }
                    values { id name slug }
                }
                media { url alt }
            }
        }
    }
}"""

PRODUCT_LIST = (
    PRODUCT_LIST_ITEM
    + """
query ProductList($first: Int, $after: String, $channel: String!) {
    products(first: $first, after: $after, channel: $channel) {
        totalCount
        edges { cursor node { ...ProductListItem } }
        pageInfo { endCursor hasNextPage startCursor hasPreviousPage }
    }
}"""
)
