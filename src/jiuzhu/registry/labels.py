"""Labels of the codes this app owns, registered with ``jiuzhu.core.labels`` in ``ready()``."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "household.create": _("登记家庭"),
    "household.update": _("修改家庭信息"),
    "household.view": _("查看家庭档案"),
    "person.add": _("添加成员"),
    "person.update": _("修改成员信息"),
    "person.remove": _("移除成员"),
    "person.recount": _("重新判断共同生活家庭成员"),
    "person.reveal": _("查看完整证件号/电话"),
    "income.add": _("添加收入"),
    "income.delete": _("删除收入"),
    "asset.add": _("添加财产"),
    "asset.delete": _("删除财产"),
    "expense.add": _("添加刚性支出"),
    "expense.delete": _("删除刚性支出"),
    "event.add": _("登记急难事件"),
    "event.delete": _("删除急难事件"),
    "registry.import": _("批量导入救助对象信息"),
    "selfcare.add": _("登记自理能力评估"),
    "selfcare.delete": _("删除自理能力评估"),
    "obligor.add": _("登记法定义务人"),
    "obligor.delete": _("删除法定义务人"),
    "joboffer.add": _("登记就业推荐"),
    "joboffer.delete": _("删除就业推荐"),
}
