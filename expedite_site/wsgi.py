import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "expedite_site.settings")

application = get_wsgi_application()

# Modules, settings, URL patterns and compiled templates live as long as the process.
# Left in the collected generations, every full collection walks them again: about a
# third of the board's median time. Frozen, the collector looks at requests' objects only.
gc.freeze()
