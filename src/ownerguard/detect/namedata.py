"""Word lists for the person-name recognizer.

Kept apart from the logic so they can be reviewed (and extended) by someone who reads Chinese
without reading the code. Every list answers one question the recognizer asks:

* ``SURNAMES`` / ``COMPOUND_SURNAMES`` — can a name start here? The ~240 most common single
  surnames (both 肖/萧, 付/傅, 闫/阎 spellings) and the compound ones. Function words that are
  also rare surnames (和, 都, 由…) are left out: as surnames they are rare, as words they are
  everywhere.
* ``GIVEN_CHARS`` — is this a likely given-name character? Used where no label word vouches for
  the name (a name before a title or a chat speaker) and to decide whether a third character
  belongs to the name (张伟明) or starts the next word (张伟家里).
* ``STOP_WORDS`` — two-character words that start with a surname character and are not names
  (马上, 方便, 安全…).
* ``PLACE_SUFFIXES`` — what follows a surname-initial place or shop (张江路, 李宁专卖店).
"""

from __future__ import annotations

# The same list as the vault's name masking (``vault.masking.name``; a test keeps them equal):
# ``detect`` imports nothing from the rest of OwnerGuard but the clock.
COMPOUND_SURNAMES = frozenset((
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟", "澹台", "公冶",
    "太史", "申屠", "钟离", "闻人", "赫连", "拓跋", "司空", "东郭", "第五", "左丘", "濮阳", "淳于",
    "单于", "宗政", "仲孙", "公羊", "亓官", "司寇", "子车", "谷梁", "乐正", "梁丘", "段干", "巫马",
))

SURNAMES = frozenset(
    "王李张刘陈杨黄吴赵周徐孙马朱胡林郭何高罗郑梁谢宋唐许邓冯韩曹曾彭萧肖蔡潘田董袁于余叶蒋杜苏"
    "魏程吕丁沈任姚卢傅付钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎闫薛尹段雷黎史龙陶贺顾"
    "毛郝龚邵万钱严赖覃洪武莫孔汤向常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房"
    "滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)

# Rarer surnames (the next ~100 of 百家姓 by population). They need more evidence than the common
# ones: the given-name characters must be likely ones. Characters that mostly end everyday words
# (花园, 银行, 音乐, 父母, 楼上…) are left out altogether.
EXTENDED_SURNAMES = frozenset(
    "满厉哈皮慕郁荆匡邸干植奉盖裘浦漆薄利鄢劳谌奚粟冼蔺盘闻伊仝郜阚屠朴练廉禹祖卿狄索宣晋敬扈晁芮"
    "阙戈伏鹿雍辜羊亓邰赫杭况鲜逯隆茹诸嵇湛宾戎勾茅揭尉冶束檀阴昝幸衡尧闭封谈鞠惠胥储栗燕楚冀"
) - SURNAMES

# Rare surnames (the rest of 百家姓 and other attested ones). Believed only where something
# else vouches for a name: a label, a title, a column of a sheet, the name model.
RARE_SURNAMES = frozenset(
    "邴宓栾郦母荀辜汝贡鄂蓟綦籍仉隗逄毋钮蹇苍糜訾钭乜郗晁韶濮莘危计羊巴丰皇花佴仝厍"
    "郏酆暴笪逯夔庹邗邛郯郤郇郅邳邶鄞郧鄘缑璩扶堵怀甫弓荣储汲邰钦井段富巫乌焦弘"
    "牧山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲"
    "邰从鄂索咸籍赖卓蔺屠蒙池乔阴郁胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂濮牛寿通边扈"
    "燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄"
    "阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相查后荆红游竺"
    "权逯盖益桓公晋楚闫法汝鄢涂钦归海岳帅缑亢况有琴商牟佘佴伯赏墨哈谯笪年爱阳佟"
) - SURNAMES - EXTENDED_SURNAMES - frozenset(
    "都有爱国法那能从通后相空步终年别居广红山海东公伯文班益容富寿暴双越帅权禄赏归须甫养却印宿习充")

# Nicknames made of 小/老 + a surname (小邓, 老蔡) are names; these are ordinary words.
NICK_STOP = frozenset("""
小时 小心 小学 小孩 小姐 小吃 小区 小米 小说 小伙 小组 小于 小平 小康 小明 小白 小金 小龙 小马
小路 小车 小包 小费 小田 小麦 小商 小卖 小雨 小雪 小满 小寒 小暑 小年 小朋 小子 小王 小时候
老师 老公 老家 老板 老人 老乡 老年 老婆 老总 老大 老小 老化 老是 老实 老虎 老鼠 老百 老汉 老外
老式 老旧 老房 老龄 老兵 老牌 老屋 老街 老城 老区 老字 老话 老成 老将 老手 老样 老天 老少 老伴
老友 老朋 老同 老师傅 老娘 老爷 老太 老头 老乡 老干 老奶 老何 老于
""".split())

# Surnames that are also everyday prepositions/conjunctions: "向张先生", "于李女士" — when a
# shorter reading starting with a real surname exists, the longer one is not taken.
FUNCTION_SURNAMES = frozenset("于向和从与及同跟让叫请给找问把被对将由为在是有")

__all__ = ["COMPOUND_SURNAMES", "EXTENDED_SURNAMES", "NICK_STOP", "RARE_SURNAMES", "FUNCTION_SURNAMES", "GIVEN_CHARS",
           "JOB_TITLES", "REPORT_VERBS", "NEXT_WORD_CHARS", "SHOP_SUFFIXES",
           "NOT_GIVEN_FIRST", "PLACE_SUFFIXES", "STOP_BIGRAMS", "STOP_WORDS", "SURNAMES",
           "TITLES"]

GIVEN_CHARS = frozenset(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文飞鑫波斌宇浩凯健俊帆帅旭宁"
    "龙林欢佳阳亮成峰晨瑞志兵雷东博彬坤岩杨利楠梅琴云莉凤珍燕彩春菊婷雪慧琳晶颖倩玲丹蕾璐露薇蓉婧"
    "怡欣悦妍婉娇莹洁琪瑶萱涵雯馨晴雨思梦诗嘉子梓轩睿豪宸泽铭昊天一诚逸然乐航哲毅宏伦新海江河山川"
    "松柏森青清永长庆福禄寿喜贵富德仁义礼智信忠孝正立振兴光耀荣祥宝金银钢锋生根财顺安康泰力胜全友"
    "良贤达远士世少晓雅淑惠贞素月凡群民艺琦鸿鹤虎彪骏驰腾跃翔宙洪泉源溪湖洲峻崇岭石坚守卫勋功彦斐"
    "蕊芸芬芝苗茜荷莲萌蓓蕙佩依仪伊君姝妮娅姗婕媛嫣宜岚巧希弘彤恒恩慈懿昕昭晗曦朗朝杉柔栋桐梁楷毓"
    "沛沁泓浚淳润渊滢漫潇澜灵炜烨煜熙爽璇琛瑾甜畅皓益盈祺祎程童竹笑筱纯绮维缘美羽翠聪舒芮若茂苒茵"
    "菲虹融衡裕誉谦豫贝贺迪遥邦钰铮锦镇阔闯隆雁雄震霖韬韵颂馥骁魁麟鸣黎鼎桦槐樱晖晋晟昌昆旺斯敬"
    "政权柱标栋楼梓榕檀欧毅汉汝沫泊洛浦涌淼渝湘滨澄炳焕煌燊珊珠琼瑜璋瑛璟环甫田畅登白百皎盛真瞳"
    "矗硕碧磐祖禹秋稷穗端笛筠箐粤紫红纬绍绿缤罡翎翼耘聆肖胤臻舜芊芙芷苓茹荔莺莎菁萃萧葆蔚蕴蕾藤"
    "虔蝶裳西讯诗谊谷贤赋赫越路轶辰迅进逍道邑醇釉鉴铭锐镜长闻阁阳陆陌雍雯霏霄靖静韦韩顷项颉风飒"
    "飘香驹骥高魏鲲鹃鹏鹭麒黛冰冬凌初刘勤华卓博卿叶吉启和哲唯嘉坤垚城培基堂塘墨壮夏天奇奕妙姣娴"
    "婵媚嫦子孜学宁安宏宗官宛宣宸容寅尚川巍帆年庭康廷弈彩征微德忆怀恬悠惜意慧成戈才承振挺敏文斌"
    "花娥香妹珠芹娣姑小"
    "方旋旭时昀星春昱显晓晨普景晶智曼月朋杭松林枫柳树格桂梅楚欣武殷毅永汀江池沐沛沫河治泰洁津"
)

# Characters that cannot be the first given-name character: function words, measure words and
# verbs that follow a surname-initial word ("业主方要求", "住户于是", "业主都在").
NOT_GIVEN_FIRST = frozenset(
    "的在是说了们和与及等也都已将把被对向给让要会能可不没很就还又才只这那个位里上下中外前后内时来去"
    "到从由于为而且或但却呢吗吧啊呀哦嗯讲称表反请问每各某其此该本自并如若即便当所以之乎者楼栋室号元"
    "单电手群委面式法案度层速级况续务意用途序费辆库屋间产件字体量铺油型"
)

# Characters that start the word after a name (张伟|家里, 李娜|来电): a third character that is
# one of these is not part of the name.
NEXT_WORD_CHARS = frozenset(
    "的在是说了们和与及等也都已将把被对向给让要会能可不没很就还又才只这那个位家里上下中前后时来去到从"
    "由于为而或但却呢吗吧啊呀讲称表反请问每各其此该本自同并如当经所以楼栋室号电手联打拨找提送取拿交付"
    "缴欠签领预登申发通报投先女老师阿入出进回因未非想需希应核确办告诉曾多次两一住租业户房车今昨现拾"
    "至携带拜离态于称态致捡已让于在工外内前刚好夫妻儿孙父母爱儿子女"
)

# Titles after a surname or full name. The span includes the title: "张先生" names a person in
# context as surely as "张伟" does. Single-character titles only count right after a surname.
TITLES = ("总经理", "老太太", "先生", "女士", "小姐", "师傅", "阿姨", "叔叔", "经理", "老师", "大爷",
          "大妈", "奶奶", "爷爷", "大姐", "大哥", "主任", "医生", "律师", "老板", "警官", "同学",
          "主管", "会计", "阿婆", "婆婆", "老太", "大伯", "伯伯", "大叔", "大婶", "阿公", "队长",
          "班长", "书记", "教授", "护士", "总", "工", "姐", "哥", "叔", "姨", "嫂", "婶", "伯")
SINGLE_CHAR_TITLES = frozenset(t for t in TITLES if len(t) == 1)

# Words that start with a surname character and are not names. Checked on the surname and the
# first given character.
STOP_WORDS = frozenset("""
马上 方便 安全 高兴 房东 施工 万一 江湖 金额 明天 黄色 白色 常常 周末 向上 于是 何时 任何 许多 和平 平安 林业
叶子 石头 司机 师傅 时间 时候 方式 方法 方面 方向 方案 高度 高层 高速 高级 高端 王国 张开 张贴 李子
刘海 陈列 杨树 黄金 周围 周边 周年 周一 周二 周三 周四 周五 周六 周日 孙子 马路 朱红 胡同 林子 何况
罗列 郑重 谢谢 宋体 唐朝 许可 许久 韩国 曾经 肖像 田地 董事 余额 余下 叶片 杜绝 苏醒 程序 程度 丁香
任务 任意 钟表 钟点 范围 汪洋 陆续 陆地 金属 金钱 石材 戴上 夏天 夏季 白天 江边 段落 雷雨 黎明 史上
龙头 陶瓷 贺卡 顾客 顾问 毛巾 毛病 万元 钱包 钱款 严重 严格 洪水 武器 莫名 孔洞 汤圆 向前 向后 常用
常规 温度 温馨 康复 施工 文件 文明 文字 牛奶 安装 安排 安静 齐全 易于 乔迁 庞大 颜色 庄园 章程 申请
申报 欧式 关于 关闭 关注 关系 兰花 焦急 左边 左右 柳树 甘心 祝福 包裹 包括 宁可 尚未 符合 舒服 舒适
纪律 梅花 童年 凌晨 毕竟 单元 单位 单号 季度 涂料 成本 成功 成员 苗木 盛夏 曲线 蓝色 路口 路边 路灯
游泳 辛苦 管理 管道 管家 柴油 华丽 房间 房屋 房号 房东 房产 房租 解决 解释 尤其 阳台 阳光 时光 农业
卓越 古代 吉祥 简单 车位 车辆 车库 车主 项目 连续 连接 景色 党员 费用 冷水 冷气 席位 卫生 米饭 柏油
桂花 全部 全体 全面 应该 应急 边上 商量 商铺 沙发 荣誉 明白 明年 明确 查看 查询 查收 单独 金色 韩式
温州 常州 苏州 广州 杭州 安徽 江苏 江西 湖南 甘肃 宁波 宁夏 云南 贵州 福州 吉林 辽宁 海南 包头 成都
武汉 南京 西安 郑州 沈阳 苏宁 国美 华为 小米 万科 保利 华润 招商 申通 顺丰 韵达 京东 邮政 中通
于今 于昨 于明 于本 于此 于该 于去 于近 于上 于下 于每 于次 于当 于前 于后 向您 向我 向物 向业 向他
""".split())

# Two-character words that end in a surname character: the title after them is a job, not a name
# (语文老师, 音乐老师, 班主任 read as 文老师, 乐老师, 班主任).
STOP_BIGRAMS = frozenset("语文 中文 英文 作文 天文 人文 音乐 声乐 帅哥 师姐 师哥 班主 钢琴 体育 数学 "
                         "美术 物理 化学 历史 地理 政治 生物 科学 家庭 社区 物业 保安 保洁 "
                         "小时 甲方 乙方 对方 双方 多方 各方 警方 校方 院方 男方 女方 卖方 买方 租方 "
                         "值班 加班 上班 下班 白班 夜班 早班 晚班 领班".split())

# What follows the surname-initial part of a place or shop name.
PLACE_SUFFIXES = ("路", "街", "大街", "大道", "巷", "弄", "胡同", "区", "市", "县", "镇", "乡", "村",
                  "庄", "店", "超市", "公司", "集团", "银行", "医院", "学校", "小学", "中学", "大学",
                  "小区", "苑", "园", "大厦", "广场", "酒店", "宾馆", "饭店", "餐厅", "药房", "商场",
                  "商店", "中心", "站", "桥", "井", "门", "湖", "山", "河", "江", "省", "州", "厂",
                  "局", "院", "馆", "城", "府", "湾", "公寓", "驿站", "粥铺", "烧饼", "料理", "堡",
                  "窑", "祠", "角", "渡", "岭", "汇", "塘", "记", "牌", "专卖", "快递", "物流")

# Shops and companies: a surname-initial brand runs on to one of these (金龙鱼粮油店, 申通快递).
SHOP_SUFFIXES = ("店", "超市", "公司", "集团", "银行", "医院", "学校", "酒店", "宾馆", "饭店",
                 "餐厅", "药房", "商场", "商店", "粥铺", "料理", "驿站", "快递", "物流", "专卖",
                 "门诊", "诊所", "工作室", "中心")

# Titles that also stand *before* a name as a job: 项目经理蔡英, 维修师傅张伟.
JOB_TITLES = frozenset(("总经理", "经理", "师傅", "老师", "主任", "医生", "律师", "警官", "主管",
                        "会计", "队长", "班长", "书记"))

# Verbs that follow the person who speaks or reports: 王芳说, 田博反映.
REPORT_VERBS = ("反映", "说", "称", "表示", "来电", "投诉", "报修", "要求", "反馈", "询问", "咨询",
                "同意", "签字", "确认", "打电话")
