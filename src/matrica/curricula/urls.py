app_name = "curricula"
urlpatterns: list = []
