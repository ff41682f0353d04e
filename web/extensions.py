"""Flask extensions, created once and bound in create_app."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
htmx = Htmx()
