from django.http import HttpResponse


def home(request):
    return HttpResponse("")


my_audits = audit_list = audit_detail = audit_edit = import_audits = home
