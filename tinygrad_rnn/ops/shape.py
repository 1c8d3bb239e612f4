"""Ops that move data without arithmetic: reshape, transpose, indexing, concat, stack, unstack."""
import itertools

from ..function import Function

AUTOGRAD_CORE = True  # origin.py: a frame here is never a creation site


class Reshape(Function):
    """b = a viewed with a new shape;   dL/da = dL/db viewed with a's shape"""
    cases = [(((3, 4),), {"shape": (2, 6)}), (((2, 3, 4),), {"shape": (4, -1)})]

    def forward(self, a, shape):
        self.save(shape=a.shape)
        return a.reshape(shape)

    def backward(self, db):
        return (db.reshape(self.saved["shape"]),)


class Transpose(Function):
    """b = a with axes permuted;   dL/da = dL/db with the inverse permutation"""
    cases = [(((3, 4),), {"axes": None}), (((2, 3, 4),), {"axes": (1, 2, 0)}),
             (((2, 3, 4),), {"axes": (0, -1, 1)})]

    def forward(self, a, axes=None):
        b = a.transpose() if axes is None else a.transpose(axes)
        # the inverse permutation, worked out on the host (axes may be negative)
        axes = range(a.ndim - 1, -1, -1) if axes is None else [i % a.ndim for i in axes]
        self.save(inverse=tuple(sorted(range(a.ndim), key=list(axes).__getitem__)))
        return b

    def backward(self, db):
        return (db.transpose(self.saved["inverse"]),)


_BASIC_TYPES = {slice, int, type(None), type(Ellipsis)}


def _normalise_index(xp, index):
    """Lists and tensors in an index become integer arrays (a boolean mask becomes the integer
    positions of its True entries, which the backward's ``add.at`` takes on every backend);
    says whether any advanced index is there."""
    items = index if isinstance(index, tuple) else (index,)
    for item in items:
        if type(item) not in _BASIC_TYPES:
            break
    else:  # slices and ints only (the LSTM's gates, a step of a sequence): nothing to convert
        return items, False
    out, advanced = [], False
    for item in items:
        if hasattr(item, "_ctx"):  # a Tensor used as an index
            item = item._data
        if isinstance(item, (list, tuple)) or hasattr(item, "dtype"):
            item = xp.array(item)  # a copy: reusing the caller's index array changes nothing here
            if item.ndim == 0 and item.dtype.kind in "iu":
                out.append(int(item))
                continue
            if item.dtype.kind == "b":
                out.extend(item.nonzero())
                advanced = True
                continue
            if item.dtype.kind not in "iu":
                raise IndexError(f"getitem: index arrays must be integers or booleans, got "
                                 f"{item.dtype}")
            advanced = True
        elif type(item) not in _BASIC_TYPES and not hasattr(item, "__index__"):
            raise IndexError(f"getitem: an index must be an int, a slice, None, ..., or an "
                             f"array of ints or bools, got {type(item).__name__} {item!r}")
        out.append(item)
    return tuple(out), advanced


class GetItem(Function):
    """b = a[index] (slices, integers, integer arrays);   dL/da = dL/db added back at index
    (an index that repeats adds its gradient once per repetition)"""
    name = "getitem"
    cases = [(((4, 5),), {"index": (slice(1, 3), slice(None, None, 2))}),
             (((4, 5),), {"index": ([0, 2, 2, 3],)}),
             (((4, 5),), {"index": (1,)}),
             (((3, 4, 5),), {"index": (Ellipsis, [1, 1, 0])}),
             (((4, 5),), {"index": (slice(None, None, -1), None, -1)}),
             (((3, 4),), {"index": ([True, False, True],)}),
             (((2, 3),), {"index": ([[True, False, True], [False, True, True]],)}),
             (((3, 4, 5),), {"index": ([0, 2, 0], slice(1, 3), [1, 1, 4])})]

    def forward(self, a, index):
        index, advanced = _normalise_index(self.xp, index)
        self.save(shape=a.shape, index=index, advanced=advanced)
        return a[index]

    def backward(self, db):
        da = self.xp.zeros(self.saved["shape"], dtype=db.dtype)
        self.backward_into(db, da)
        return (da,)

    def backward_into(self, db, da):
        """da[index] += dL/db: ``Tensor.backward`` passes its own gradient array of a, so the
        slices of one tensor (the LSTM's gates, the steps of a [T, B, I] input) share one."""
        if self.saved["advanced"]:
            self.xp.add.at(da, self.saved["index"], db)
        else:
            da[self.saved["index"]] += db


class Concat(Function):
    """c = [a_1 ; a_2 ; ...] along axis;   dL/da_i = the slice of dL/dc where a_i was"""
    cases = [(((2, 3), (2, 4)), {"axis": 1}), (((1, 3), (2, 3), (3, 3)), {"axis": 0})]

    def forward(self, *arrays, axis=0):
        self.save(sizes=[a.shape[axis] for a in arrays])
        return self.xp.concatenate(arrays, axis=axis)

    def backward(self, dc):
        axis = self.params.get("axis", 0)
        offsets = list(itertools.accumulate(self.saved["sizes"][:-1]))
        return tuple(self.xp.split(dc, offsets, axis=axis))


class Stack(Function):
    """c = the a_i stacked along a new axis;   dL/da_i = dL/dc taken at position i of that axis"""
    cases = [(((2, 3), (2, 3)), {"axis": 0}), (((2, 3), (2, 3), (2, 3)), {"axis": -1})]

    def forward(self, *arrays, axis=0):
        return self.xp.stack(arrays, axis=axis)

    def backward(self, dc):
        axis = self.params.get("axis", 0)
        return tuple(self.xp.moveaxis(dc, axis, 0))


class Unstack(Function):
    """a_1, ..., a_n = the slices of a along axis (n = a.shape[axis]), one op with n outputs;
    dL/da = the dL/da_i stacked along axis"""
    cases = [(((3, 2, 4),), {"axis": 0}), (((2, 3),), {"axis": -1})]

    def forward(self, a, axis=0):
        return tuple(self.xp.moveaxis(a, axis, 0))

    def backward(self, *douts):
        return (self.xp.stack(douts, axis=self.params.get("axis", 0)),)
