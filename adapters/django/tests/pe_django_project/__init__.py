"""A Django project laid out as ``django-admin startproject`` would, with portable routes composed in."""
