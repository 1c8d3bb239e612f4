"""A larger character corpus for the language-model tutorial: short stories about a harbour
village, original text written for this package (about 9,300 characters, nothing downloaded).

``STORIES`` is the whole text, paragraphs separated by blank lines. ``split_stories()`` returns
``(train_text, held_out_text)``: the last two paragraphs are held out, so a language model's
held-out perplexity measures text it has never read, in the same style and vocabulary. The
characters of the held-out part all occur in the training part (a character ``Vocab`` built on
the training text knows them all).
"""

STORIES = """\
The village lies at the end of a long road, between the hills and the sea. It has one street,
one school, one small shop and a harbour with twenty boats. At the end of the harbour wall
stands the lighthouse, white and tall, and in the lighthouse lives the keeper. Every evening she
climbs the stairs, lights the lamp and looks out over the water. When the lamp turns, its light
passes over the village, over the boats and over the rocks, and then out to the open sea.

In the morning the fishermen go out before the sun is up. They call to each other across the
water, they check their nets and their engines, and one after another the boats leave the
harbour. The keeper watches them from her window. She knows every boat by its colour and by the
sound of its engine: the red boat of old Tom, the green boat of the two brothers, the blue boat
that the children painted last summer. She writes their names in her notebook, and in the
evening she counts them again as they come home.

The children of the village walk to school along the harbour. On the way they stop at the shop,
where the baker sells bread, apples and small cakes. The teacher is a patient man who has lived
in the village all his life. He tells the children about the sea, about the fish and the birds,
and about the storms of the old days, when the boats had no engines and the sailors had to row
home through the waves. The children listen, and then they run down to the water to look for
shells and crabs among the stones.

In autumn the weather turns. The wind comes from the west, the sky turns grey, and the waves
grow higher every day. The fishermen stay in the harbour and mend their nets. The keeper climbs
the stairs more often now, because the lamp must burn all night and the glass must stay clean.
She listens to the radio for the weather news, and when a storm is coming she calls the harbour
master, who walks along the wall and tells every boat to stay at home.

On market days the village is full of people. Farmers come down from the hills with eggs,
cheese and honey, and the fishermen sell the fish they caught in the morning. The baker bakes
twice as much bread as on other days, and by noon it is all gone. The children help at the
stalls and earn a few coins, which they spend on sweets at the shop. In the afternoon the
farmers go home with empty baskets, the street is quiet again, and only the gulls are left to
look for what people dropped on the ground.

The harbour master is an old sailor with a grey beard and a loud voice. He has sailed to many
countries and he has seen many harbours, but he says that this one is the best of all, because
it is small and every boat in it has a name he knows. Every morning he walks along the harbour
wall and looks at the sky, the wind and the water. Then he writes the weather on a black board
by the door of his office, so that the fishermen can read it before they go out.

Once a year, at the end of summer, the village has a boat race. Every boat is cleaned and
painted, and the children hang flags from the masts. The boats start at the harbour wall, sail
around the rocks at the mouth of the bay and come back, and the whole village stands on the wall
and shouts. The two brothers have won the race three times, but last year the old man in the
red boat won it, and he still tells everyone about it in the shop.

When the keeper is not working, she walks on the hills above the village. From the top of the
highest hill she can see the whole coast: the village, the harbour, the lighthouse and the long
road that leads away to the town. On clear days she can even see the islands far out at sea,
small and blue on the horizon. She takes bread and an apple with her, sits on a stone in the
grass and watches the clouds move over the water, and then she walks home before it gets dark.

The school has only one room, and the children of every age sit in it together. The older
children help the younger ones to read and to count. In the morning they learn to write and to
do sums, and in the afternoon the teacher reads to them from a book of old stories about ships,
islands and storms. On rainy days they draw pictures of the boats and the lighthouse, and the
teacher hangs the pictures on the wall, where the parents can see them when they come to pick
up their children.

In the evening the keeper makes her supper in the small kitchen at the foot of the tower. She
cooks fish with potatoes, or soup with bread, and she eats by the window so that she can watch
the lamp turning above her and the boats coming home. After supper she washes the plates, feeds
the cat and climbs the stairs one more time to look at the lamp. Then she goes to bed, and she
sleeps well, because she knows that the light is burning and that all the boats are home.

Most days in the lighthouse are quiet. The keeper cleans the glass of the lamp, oils the
clockwork and checks the small engine that makes the light turn. She paints the iron rail at the
top of the tower when the paint is old, and she sweeps the stairs from the top to the bottom.
When the work is done she reads, or she mends her clothes, or she writes letters to her sister,
who lives in a big city far from the sea and who writes back about trains, shops and crowded
streets. The keeper likes the letters, but she would not change her quiet tower for any city.

In the summer the village is full of visitors. They come along the long road in cars and buses,
they walk along the harbour and take pictures of the boats, and they climb the hill to look at
the lighthouse. Some of them knock at the door and ask if they can see the lamp. The keeper
lets them in, two or three at a time, and tells them how the light works and how far it can be
seen. The visitors buy ice cream at the shop, swim in the cold water and sleep in the small
houses near the beach, and at the end of the summer they all go home again.

The two brothers are the best fishermen in the village. They go out further than anyone else,
and they know where the fish are in every season. The older brother steers the boat and watches
the weather, and the younger one works the nets. They do not talk much at sea, because they do
not need to: each of them knows what the other one will do. In the evening they sit in front of
their house by the harbour, mend their nets and tell the children stories about the big fish
that got away.

The cat of the lighthouse is black, with one white foot. Nobody knows where it came from. One
day it was simply sitting on the stairs, and it never left again. It sleeps in the kitchen by
the warm stove, it catches mice in the cellar, and in the evening it climbs the stairs behind
the keeper and sits beside the lamp. The children of the village love the cat, and they bring it
small pieces of fish from the harbour, which it eats slowly and with great dignity.

One night in the middle of winter a small boat did not come home. The keeper saw the other boats
come in, one after another, and she counted them, and one was missing. It was the blue boat, the
one the children had painted. She called the harbour master, and the harbour master called the
fishermen, and soon the whole village was standing on the harbour wall in the rain, looking out
into the dark. The keeper turned the lamp as far as it would go, so that its light reached the
rocks at the mouth of the bay.

For a long time nobody saw anything. Then, far out on the water, a small light answered the
lamp: once, twice, three times. The fishermen ran to their boats and went out into the storm,
and an hour later they came back with the blue boat between them. Its engine had stopped, and
the two young sailors on board were wet and cold, but they were alive. The whole village went to
the school that night, and the baker brought bread and hot soup for everyone.

After that night the children came up to the lighthouse every week. The keeper showed them the
lamp and the lenses, and how the clockwork turns the light around. She showed them her notebook,
where every day of every year was written down: the wind, the weather, the boats that went out
and the boats that came home. The children asked her why she wrote it all down. She told them
that a notebook is a memory, and that each day is easier to understand when you can read the
days before it.

In spring the hills turn green again and the sea is calm. The fishermen paint their boats, the
teacher takes the children out to the rocks to count the birds, and the keeper opens every
window of the lighthouse to let the warm air in. In the evening the boats come home early, the
lamp turns slowly over the quiet water, and the village sleeps. The keeper sits by her window
with her notebook and writes the same words she writes every spring: the sea is calm, all the
boats came home, and the light is burning.

Some years later one of the children became the new keeper. She still climbs the stairs every
evening and lights the lamp, and she still writes in a notebook by the window. On the first
page she wrote the names of the boats, the name of the old keeper and the night of the storm.
When the children of the village come up the hill, she tells them the story of the blue boat,
and they look out over the water and count the boats as they come home, one after another, in
the last light of the day.
"""


def split_stories(text=STORIES, held_out=2):
    """``(train_text, held_out_text)``: all paragraphs but the last ``held_out``, and those."""
    if not isinstance(text, str):
        raise TypeError(f"split_stories: text must be a string, got {type(text).__name__}")
    paragraphs = text.strip("\n").split("\n\n")
    if not isinstance(held_out, int) or isinstance(held_out, bool) or \
            not 1 <= held_out < len(paragraphs):
        raise ValueError(f"split_stories: held_out must be an int from 1 to "
                         f"{len(paragraphs) - 1} (the text has {len(paragraphs)} paragraphs "
                         f"separated by blank lines), got {held_out!r}")
    cut = len(paragraphs) - held_out
    return ("\n\n".join(paragraphs[:cut]) + "\n", "\n\n".join(paragraphs[cut:]) + "\n")
