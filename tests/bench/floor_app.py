"""The floor: a bare Flask app on waitress with the same thread count, answering a fixed page."""
import sys

from flask import Flask
from waitress import serve

app = Flask(__name__)
PAGE = "<html><body>" + "x" * 8000 + "</body></html>"


@app.route("/<path:anything>", methods=["GET", "POST"])
def page(anything):
    return PAGE


if __name__ == "__main__":
    serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=8)
