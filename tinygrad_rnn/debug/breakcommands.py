"""The prompt's breakpoint commands, as pdb's: ``b``/``break``, ``tbreak``, ``clear``,
``disable``, ``enable``, ``condition`` (a mixin of ``Commands``)."""


class BreakpointCommands:
    """``do_*`` methods for breakpoints (the Repl provides ``stepper``, ``say``, ``ask``)."""

    def do_break(self, arg, temporary=False):
        st = self.stepper
        if not arg:
            return self._list_breakpoints()
        if arg.lstrip("+-").isdigit():       # the old "b 2" (two events back)
            raise ValueError(f"b is break, as in pdb (b op=tanh, b t=3, b name=s_3, b nan); "
                             f"to go {arg.lstrip('+-')} events back, type back {arg.lstrip('+-')}"
                             " (or rs)")
        known = len(st.breakpoints)
        bp = st.break_at(arg, temporary=temporary)
        if len(st.breakpoints) == known:
            self.say(f"(breakpoint {bp.number} is already {bp})")
            return
        count = sum(1 for e in st.events if bp.matches(e))
        kind = "Temporary breakpoint" if temporary else "Breakpoint"
        fires = "" if bp.nan else f" (matches {count} event{'s' * (count != 1)})"
        self.say(f"{kind} {bp.number}: {bp}{fires}")

    def do_tbreak(self, arg):
        if not arg:
            raise ValueError("tbreak needs a SPEC, e.g. tbreak t=3")
        self.do_break(arg, temporary=True)

    def _list_breakpoints(self):
        st = self.stepper
        if not st.breakpoints:
            self.say("no breakpoints")
            return
        self.say("Num Type        Disp Enb   Where")
        for bp in st.breakpoints:
            kind, disp = ("tbreak", "del ") if bp.temporary else ("breakpoint", "keep")
            self.say(f"{bp.number:<3} {kind:<11} {disp} {'yes' if bp.enabled else 'no ':<5} {bp}")
            if bp.condition:
                self.say(f"\tstop only if {bp.condition}")
            if bp.hits:
                self.say(f"\tbreakpoint already hit {bp.hits} time{'s' * (bp.hits != 1)}")

    def _numbers(self, arg, command):
        try:
            numbers = [int(n) for n in arg.split()]
        except ValueError:
            raise ValueError(f"{command} needs breakpoint numbers, got {arg!r}") from None
        if not numbers:
            raise ValueError(f"{command} needs breakpoint numbers (b lists them)")
        return [self.stepper.breakpoint(n) for n in numbers]

    def do_clear(self, arg):
        st = self.stepper
        if not arg:
            if st.breakpoints and self.ask("Clear all breaks? "):
                st.clear_breakpoints()
                self.say("Deleted all breakpoints")
            elif not st.breakpoints:
                self.say("no breakpoints")
            return
        for bp in self._numbers(arg, "clear"):
            st.clear_breakpoints(bp.number)
            self.say(f"Deleted breakpoint {bp.number}: {bp}")

    def do_disable(self, arg, enabled=False):
        for bp in self._numbers(arg, "enable" if enabled else "disable"):
            bp.enabled = enabled
            self.say(f"{'Enabled' if enabled else 'Disabled'} breakpoint {bp.number}: {bp}")

    def do_enable(self, arg):
        self.do_disable(arg, enabled=True)

    def do_condition(self, arg):
        number, _, expression = arg.partition(" ")
        bp = self._numbers(number, "condition")[0]
        self.stepper.set_condition(bp.number, expression.strip() or None)
        self.say(f"Breakpoint {bp.number} is now unconditional." if not bp.condition else
                 f"New condition set for breakpoint {bp.number}: {bp.condition}")
