import pytest

from marketplace.catalog.selectors import ProductFilters, product_list
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_chinese_queries_find_the_right_products_ranked(channel):
    tea = factories.product(name="冰岛古树普洱茶 357克饼", channel_obj=channel)
    black = factories.product(name="勐库大叶种红茶", channel_obj=channel)
    honey = factories.product(name="双江野生蜂蜜", channel_obj=channel)
    stay = factories.product(name="台儿庄古城民宿", channel_obj=channel, offering_kind="HOMESTAY")

    def found(text):
        return list(product_list(channel=channel, filters=ProductFilters(search=text)))

    assert found("古树茶") == [tea]
    assert found("冰岛") == [tea]
    assert found("蜂蜜") == [honey]
    assert found("民宿") == [stay]
    # A whole-word hit in the name ranks above a character-level hit.
    ranked = found("红茶")
    assert ranked[0] == black


def test_search_document_follows_product_renames(channel, admin_user):
    from marketplace.catalog.services import product_update

    product = factories.product(name="核桃", channel_obj=channel)
    assert list(product_list(channel=channel, filters=ProductFilters(search="核桃"))) == [product]
    product_update(actor=admin_user, product=product, changes={"name": "土蜂蜜"})
    assert list(product_list(channel=channel, filters=ProductFilters(search="核桃"))) == []
    assert list(product_list(channel=channel, filters=ProductFilters(search="蜂蜜"))) == [product]


def test_the_whole_word_in_the_name_ranks_first_even_against_busy_descriptions(channel):
    """荆条蜜 (characters of 蜂蜜 only, in a honey category, with a description that says
    蜂蜜 again and again) must not outrank products named with the word itself."""
    honey = factories.category(name="蜂蜜")
    wordy = "蜂蜜" + "，天然蜂蜜" * 6
    named = [
        factories.product(name=name, channel_obj=channel, category_obj=honey)
        for name in ("冰岛山野蜂蜜", "勐库高山土蜂蜜")
    ]
    others = [
        factories.product(name=name, channel_obj=channel, category_obj=honey, description=wordy)
        for name in ("荆条蜜", "邦改百花蜜")
    ]
    found = list(product_list(channel=channel, filters=ProductFilters(search="蜂蜜")))
    assert set(found[:2]) == set(named)
    assert set(found[2:]) == set(others)
