from django.apps import AppConfig


class AimapConfig(AppConfig):
    name = "aimap"
    verbose_name = "AI map generation"
