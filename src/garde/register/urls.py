from garde.register.views import console, notice

app_name = "register"

urlpatterns = [*notice.urlpatterns, *console.urlpatterns]
