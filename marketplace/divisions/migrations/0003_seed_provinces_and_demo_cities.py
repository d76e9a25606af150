"""Seeds the 31 mainland provincial-level divisions (GB/T 2260 codes and official names) and
the prefecture-level cities of the demo counties, which delivery zones need as reference.

Counties, townships and villages are not seeded here: the demo loader creates its own, and
test factories number theirs freely within a province; a seeded county would collide.
The data is written out in this file (not imported) so the migration means the same thing
whenever it runs. Reversing removes only the rows it added.
"""

from django.db import migrations

PROVINCES = (
    ("11", "北京市"),
    ("12", "天津市"),
    ("13", "河北省"),
    ("14", "山西省"),
    ("15", "内蒙古自治区"),
    ("21", "辽宁省"),
    ("22", "吉林省"),
    ("23", "黑龙江省"),
    ("31", "上海市"),
    ("32", "江苏省"),
    ("33", "浙江省"),
    ("34", "安徽省"),
    ("35", "福建省"),
    ("36", "江西省"),
    ("37", "山东省"),
    ("41", "河南省"),
    ("42", "湖北省"),
    ("43", "湖南省"),
    ("44", "广东省"),
    ("45", "广西壮族自治区"),
    ("46", "海南省"),
    ("50", "重庆市"),
    ("51", "四川省"),
    ("52", "贵州省"),
    ("53", "云南省"),
    ("54", "西藏自治区"),
    ("61", "陕西省"),
    ("62", "甘肃省"),
    ("63", "青海省"),
    ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
)

# (code, name): the demo's two counties lie in these (双江 in 临沧, 台儿庄 in 枣庄).
CITIES = (
    ("5309", "临沧市"),
    ("3704", "枣庄市"),
)


def seed(apps, schema_editor):
    Province = apps.get_model("divisions", "Province")
    City = apps.get_model("divisions", "City")
    for code, name in PROVINCES:
        Province.objects.get_or_create(code=code, defaults={"name": name})
    for code, name in CITIES:
        City.objects.get_or_create(
            code=code, defaults={"name": name, "province": Province.objects.get(code=code[:2])}
        )


def unseed(apps, schema_editor):
    apps.get_model("divisions", "City").objects.filter(code__in=[c for c, _ in CITIES]).delete()
    apps.get_model("divisions", "Province").objects.filter(
        code__in=[c for c, _ in PROVINCES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("divisions", "0002_provinces_and_cities")]

    operations = [migrations.RunPython(seed, unseed)]
