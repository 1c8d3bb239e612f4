"""The Stepper in Jupyter: a slider and step/back/continue buttons that redraw its frame.

With ipywidgets installed, displaying a Stepper shows ``Stepper.widget()``: the buttons and the
slider move the Stepper itself (``st.index`` follows them) and the frame and the event's text
are drawn again. The display also carries the static picture, so a notebook saved without
widget state, or rendered where widgets do not run, still shows the frame. Without ipywidgets
the display is that static picture (``frame.static_bundle``).
"""
from .frame import static_bundle


def frame_html(stepper):
    """The frame and the event's text as HTML (the text alone without Graphviz's dot)."""
    bundle = static_bundle(stepper)
    if "text/html" in bundle:
        return bundle["text/html"]
    import html
    return f'<pre style="font-size:11px">{html.escape(bundle["text/plain"])}</pre>'


def stepper_widget(stepper):
    """An ``ipywidgets.VBox``: back / step / continue buttons and a slider over the events,
    then the frame. ``.children`` are ``(controls, frame)``; the controls are ``(back, step,
    continue, slider)``."""
    import ipywidgets as w

    picture = w.HTML(value=frame_html(stepper))
    slider = w.IntSlider(value=stepper.index, min=0, max=len(stepper) - 1, description="event",
                         continuous_update=False, layout=w.Layout(width="50%"))
    back = w.Button(description="\u25c0 back", tooltip="one event back")
    step = w.Button(description="step \u25b6", tooltip="one event on")
    cont = w.Button(description="continue \u25b6\u25b6",
                    tooltip="to the next breakpoint (st.break_at), else to the end")
    busy = []

    def redraw():
        busy.append(True)                 # setting the slider must not move the Stepper again
        try:
            slider.value = stepper.index
            picture.value = frame_html(stepper)
        finally:
            busy.pop()

    def moved(change):
        if not busy:
            stepper.goto(change["new"])
            redraw()

    slider.observe(moved, names="value")
    back.on_click(lambda _: (stepper.back(), redraw()))
    step.on_click(lambda _: (stepper.step(), redraw()))
    cont.on_click(lambda _: (stepper.cont(), redraw()))
    return w.VBox([w.HBox([back, step, cont, slider]), picture])


def mimebundle(stepper, include=None, exclude=None):
    """The widget's view (when ipywidgets is installed) plus the static picture."""
    bundle = static_bundle(stepper)
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return bundle
    view = stepper.widget()._repr_mimebundle_()
    bundle.update({k: v for k, v in view.items() if k != "text/plain"})
    return bundle
