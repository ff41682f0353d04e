"""web.forms.refused: the one answer for a form the appliance refused."""
from appliance.errors import InputError
from web.forms import refused


def test_refused_rerenders_with_the_reason_by_its_field_and_422(app):
    with app.test_request_context("/orders/arrive", method="POST"):
        body, status = refused(InputError("Укажите артикул.", "article"), "orders/_promise.html",
                               error="old", date=None)
    assert status == 422 and "Укажите артикул." in body
