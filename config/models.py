# No models. The module makes `config` an app that post_migrate reaches (see config/apps.py).
